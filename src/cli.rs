//! The command line's shape: `sshfolio`'s subcommands and the `serve` flags (each with
//! its environment twin), as clap parses them; `main.rs` runs what they ask for.
//! `ServeArgs::resolve` layers flags and environment over the config file and the
//! defaults (`config.rs`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{FileConfig, LogFormat, ServeConfig};

#[derive(Parser, Debug)]
#[command(
    name = "sshfolio",
    version,
    about = "A portfolio you visit with `ssh host`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Flags of `serve`, which is also the default command.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Flags of `serve`. No clap defaults: a value is `Some` only when a flag or an
/// environment variable gave it (clap prefers the flag), so the config file fills the
/// rest and `config::ServeConfig::default()` what remains (see `config.rs`).
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// A YAML file of settings (keys as below, `max_per_ip` for `--max-per-ip`).
    #[arg(long, env = "SSHFOLIO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the effective settings as YAML and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Address to listen on (repeatable) [default: 0.0.0.0:2222]; port 0 binds a free port.
    #[arg(long, env = "SSHFOLIO_LISTEN", value_delimiter = ',')]
    pub listen: Vec<std::net::SocketAddr>,
    /// Content directory [default: content].
    #[arg(long, env = "SSHFOLIO_CONTENT")]
    pub content: Option<PathBuf>,
    /// Read content files that symlinks lead to outside the content directory
    /// (refused with a warning otherwise).
    #[arg(long, env = "SSHFOLIO_FOLLOW_SYMLINKS")]
    pub follow_symlinks: bool,
    /// Host key directory [default: keys].
    #[arg(long, env = "SSHFOLIO_KEYS")]
    pub keys: Option<PathBuf>,
    /// Most open connections at once [default: 1024].
    #[arg(long, env = "SSHFOLIO_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Most open connections from one IP address [default: 8].
    #[arg(long, env = "SSHFOLIO_MAX_PER_IP")]
    pub max_per_ip: Option<usize>,
    /// Seconds without guest input before a session ends (0: never) [default: 600].
    #[arg(long, env = "SSHFOLIO_IDLE_TIMEOUT")]
    pub idle_timeout: Option<u64>,
    /// A load balancer (CIDR or address, repeatable) whose connections start with a
    /// PROXY v1/v2 header naming the client.
    #[arg(long, env = "SSHFOLIO_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<String>,
    /// Seconds a trusted proxy gets to send its header [default: 3].
    #[arg(long, env = "SSHFOLIO_PROXY_HEADER_TIMEOUT")]
    pub proxy_header_timeout: Option<f64>,
    /// Serve Prometheus metrics on this address (`GET /metrics`).
    #[arg(long, env = "SSHFOLIO_METRICS")]
    pub metrics: Option<std::net::SocketAddr>,
    /// Log lines as `text` or `json` [default: text].
    #[arg(long, env = "SSHFOLIO_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// No colour for any guest (as if every client sent NO_COLOR).
    #[arg(long, env = "SSHFOLIO_NO_COLOR")]
    pub no_color: bool,
    /// No pictures for any guest: framed placeholders with alt text only.
    #[arg(long, env = "SSHFOLIO_NO_IMAGES")]
    pub no_images: bool,
    #[command(flatten)]
    pub hardening: HardeningArgs,
    #[command(flatten)]
    pub owner: OwnerArgs,
}

/// The owner's side (issue 15): analytics and guest identification.
#[derive(clap::Args, Debug, Clone)]
pub struct OwnerArgs {
    /// Data directory: the analytics database (stats.sqlite) and its secret [default: data].
    #[arg(long, env = "SSHFOLIO_DATA")]
    pub data: Option<PathBuf>,
    /// Record no visitor analytics.
    #[arg(long, env = "SSHFOLIO_NO_STATS")]
    pub no_stats: bool,
    /// Days analytics are kept; older rows are purged daily (0: forever) [default: 90].
    #[arg(long, env = "SSHFOLIO_STATS_RETENTION")]
    pub stats_retention: Option<u32>,
    /// Recognise returning guests by their public key: offer `publickey` and
    /// `keyboard-interactive` (no prompt) instead of accepting `none`. Clients in
    /// BatchMode without a key are then refused (see README).
    #[arg(long, env = "SSHFOLIO_IDENTIFY_GUESTS")]
    pub identify_guests: bool,
}

impl ServeArgs {
    /// The settings given by flags and environment.
    pub fn given(&self) -> FileConfig {
        FileConfig {
            listen: (!self.listen.is_empty()).then(|| self.listen.clone()),
            content: self.content.clone(),
            follow_symlinks: self.follow_symlinks.then_some(true),
            keys: self.keys.clone(),
            max_connections: self.max_connections,
            max_per_ip: self.max_per_ip,
            idle_timeout: self.idle_timeout,
            trusted_proxy: (!self.trusted_proxy.is_empty()).then(|| self.trusted_proxy.clone()),
            proxy_header_timeout: self.proxy_header_timeout,
            metrics: self.metrics,
            log_format: self.log_format,
            no_color: self.no_color.then_some(true),
            no_images: self.no_images.then_some(true),
            max_startups: self.hardening.max_startups.map(|s| s.to_string()),
            per_ip_rate: self.hardening.per_ip_rate,
            per_ip_burst: self.hardening.per_ip_burst,
            login_deadline: self.hardening.login_deadline,
            idle_warning: self.hardening.idle_warning,
            max_session: self.hardening.max_session,
            stall_timeout: self.hardening.stall_timeout,
            input_rate: self.hardening.input_rate,
            input_burst: self.hardening.input_burst,
            keepalive_interval: self.hardening.keepalive_interval,
            keepalive_max: self.hardening.keepalive_max,
            per_source_net_block_size: self
                .hardening
                .per_source_net_block_size
                .map(|s| s.to_string()),
            max_startups_per_source: self.hardening.max_startups_per_source,
            handshake_deadline: self.hardening.handshake_deadline,
            source_penalty: self.hardening.source_penalty,
            max_channels: self.hardening.max_channels,
            channel_grace: self.hardening.channel_grace,
            data: self.owner.data.clone(),
            no_stats: self.owner.no_stats.then_some(true),
            stats_retention: self.owner.stats_retention,
            identify_guests: self.owner.identify_guests.then_some(true),
        }
    }

    /// Flag > environment > config file > default.
    pub fn resolve(&self) -> anyhow::Result<ServeConfig> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        Ok(file.over(self.given()).resolve()?)
    }
}

/// The limits of issue 8 (see `config::Limits`); seconds are whole seconds. Like every
/// serve flag, `None` unless given, so the config file and defaults fill the rest.
#[derive(clap::Args, Debug, Clone)]
pub struct HardeningArgs {
    /// Connections logging in at once, `start:rate:full` (as sshd's MaxStartups) [default: 32:30:128].
    #[arg(long, env = "SSHFOLIO_MAX_STARTUPS")]
    pub max_startups: Option<crate::config::Startups>,
    /// New connections per second from one IP address (sustained) [default: 2].
    #[arg(long, env = "SSHFOLIO_PER_IP_RATE")]
    pub per_ip_rate: Option<f64>,
    /// New connections from one IP address in a burst [default: 24].
    #[arg(long, env = "SSHFOLIO_PER_IP_BURST")]
    pub per_ip_burst: Option<u32>,
    /// Seconds from connect to an open session before the connection is closed [default: 20].
    #[arg(long, env = "SSHFOLIO_LOGIN_DEADLINE")]
    pub login_deadline: Option<u64>,
    /// Seconds of on-screen countdown before the idle kick or the session cap [default: 60].
    #[arg(long, env = "SSHFOLIO_IDLE_WARNING")]
    pub idle_warning: Option<u64>,
    /// Longest session in seconds, whatever the guest does (0: no cap) [default: 3600].
    #[arg(long, env = "SSHFOLIO_MAX_SESSION")]
    pub max_session: Option<u64>,
    /// Seconds a guest may leave a frame unread before it is dropped [default: 30].
    #[arg(long, env = "SSHFOLIO_STALL_TIMEOUT")]
    pub stall_timeout: Option<u64>,
    /// Guest input per session, bytes per second (0: unlimited) [default: 16384].
    #[arg(long, env = "SSHFOLIO_INPUT_RATE")]
    pub input_rate: Option<u32>,
    /// Guest input per session, bytes in a burst [default: 65536].
    #[arg(long, env = "SSHFOLIO_INPUT_BURST")]
    pub input_burst: Option<u32>,
    /// Seconds without input from a client before an SSH keepalive is sent; each idle
    /// guest costs one round trip per interval. Dead peers are found by the kernel's TCP
    /// keepalives (within about a minute, no wake-up); this is only for NATs that track SSH
    /// traffic alone [default: 300].
    #[arg(long, env = "SSHFOLIO_KEEPALIVE_INTERVAL")]
    pub keepalive_interval: Option<u64>,
    /// Unanswered keepalives in a row that close the connection [default: 3].
    #[arg(long, env = "SSHFOLIO_KEEPALIVE_MAX")]
    pub keepalive_max: Option<usize>,
    /// Per-source limits count one IPv4 /v4 and IPv6 /v6 block as one source, `v4:v6`
    /// (as sshd's PerSourceNetBlockSize) [default: 32:64].
    #[arg(long, env = "SSHFOLIO_PER_SOURCE_NET_BLOCK_SIZE")]
    pub per_source_net_block_size: Option<crate::config::NetBlock>,
    /// Connections from one source logging in at once; more are refused [default: 4].
    #[arg(long, env = "SSHFOLIO_MAX_STARTUPS_PER_SOURCE")]
    pub max_startups_per_source: Option<usize>,
    /// Seconds from connect to the client's SSH banner and KEXINIT [default: 5].
    #[arg(long, env = "SSHFOLIO_HANDSHAKE_DEADLINE")]
    pub handshake_deadline: Option<u64>,
    /// Seconds of penalty a source earns whenever one of its connections hits a
    /// deadline; a source owing more than this is refused until it has waited (0: off)
    /// [default: 10].
    #[arg(long, env = "SSHFOLIO_SOURCE_PENALTY")]
    pub source_penalty: Option<u64>,
    /// Session channels open at once on one connection (ControlMaster, asyncssh)
    /// [default: 4].
    #[arg(long, env = "SSHFOLIO_MAX_CHANNELS")]
    pub max_channels: Option<usize>,
    /// Seconds a logged-in connection may go without a running session before it is
    /// closed (between ControlMaster commands, or before a first request) [default: 5].
    #[arg(long, env = "SSHFOLIO_CHANNEL_GRACE")]
    pub channel_grace: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the SSH server (the default).
    Serve(ServeArgs),
    /// Validate a content directory; `path:line:col: message` per problem, exit 1 on errors.
    Check {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
        /// Read files that symlinks lead to outside the content directory.
        #[arg(long, env = "SSHFOLIO_FOLLOW_SYMLINKS")]
        follow_symlinks: bool,
    },
    /// Write a starter site (a project, a post, a story) that `check` passes.
    Init {
        /// Where to write it [default: content].
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// Your name, as the site shows it.
        #[arg(long, default_value = "Your Name")]
        name: String,
        /// One line about what you do.
        #[arg(long, default_value = "One line about what you do")]
        tagline: String,
        /// A link, `LABEL=URL` (repeatable).
        #[arg(long = "link", value_parser = crate::init::parse_link)]
        links: Vec<(String, String)>,
        /// Write into a non-empty directory (our files are overwritten, others kept).
        #[arg(long)]
        force: bool,
    },
    /// Visitor analytics from one or more servers' data directories, merged.
    Stats {
        /// How far back: 7d, 24h, 2w…
        #[arg(long, default_value = "7d", value_parser = crate::stats::report::parse_since)]
        since: i64,
        /// Print JSON instead of text and charts.
        #[arg(long)]
        json: bool,
        /// A data directory or stats.sqlite file (repeatable: replicas are merged) [default: data].
        #[arg(long, env = "SSHFOLIO_DATA", value_delimiter = ',')]
        data: Vec<PathBuf>,
    },
    /// Turn a Nuxt `_payload.json` into content source files.
    ImportNuxt {
        payload: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Overwrite a non-empty output directory.
        #[arg(long)]
        force: bool,
        /// Then download the images the content refers to (as `fetch-images`).
        #[arg(long)]
        fetch_images: bool,
        /// The live website that site paths (`/images/x.png`) are fetched from.
        #[arg(long)]
        site: Option<String>,
    },
    /// Download every image the content refers to into `content/images/` (listed in
    /// `content/images/remote.yml`); source files stay untouched.
    FetchImages {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
        /// The live website that site paths (`/images/x.png`) are fetched from.
        #[arg(long)]
        site: Option<String>,
    },
    /// Load-test an SSH server (ours or OpenSSH running `sshfolio local`).
    Bench(crate::bench::BenchArgs),
    /// Run the UI in this terminal.
    Local {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
        /// Read files that symlinks lead to outside the content directory.
        #[arg(long, env = "SSHFOLIO_FOLLOW_SYMLINKS")]
        follow_symlinks: bool,
        /// No pictures (the terminal is not probed for them).
        #[arg(long)]
        no_images: bool,
    },
    /// Exit 0 if a server answers with an SSH banner (for container health checks).
    Health {
        #[arg(long, default_value = "127.0.0.1:2222")]
        target: std::net::SocketAddr,
        /// Send a PROXY v2 LOCAL header first (the server trusts this address as a proxy).
        #[arg(long)]
        proxy: bool,
        /// Seconds to wait for the banner.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
}
