//! The command line: the edge where errors become messages and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sshfolio::config::{FileConfig, LogFormat, ServeConfig};
use sshfolio::content;

#[derive(Parser, Debug)]
#[command(
    name = "sshfolio",
    version,
    about = "A portfolio you visit with `ssh host`."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Flags of `serve`, which is also the default command.
    #[command(flatten)]
    serve: ServeArgs,
}

/// Flags of `serve`. No clap defaults: a value is `Some` only when a flag or an
/// environment variable gave it (clap prefers the flag), so the config file fills the
/// rest and `config::ServeConfig::default()` what remains (see `config.rs`).
#[derive(clap::Args, Debug, Clone)]
struct ServeArgs {
    /// A YAML file of settings (keys as below, `max_per_ip` for `--max-per-ip`).
    #[arg(long, env = "SSHFOLIO_CONFIG")]
    config: Option<PathBuf>,
    /// Print the effective settings as YAML and exit.
    #[arg(long)]
    print_config: bool,
    /// Address to listen on (repeatable) [default: 0.0.0.0:2222]; port 0 binds a free port.
    #[arg(long, env = "SSHFOLIO_LISTEN", value_delimiter = ',')]
    listen: Vec<std::net::SocketAddr>,
    /// Content directory [default: content].
    #[arg(long, env = "SSHFOLIO_CONTENT")]
    content: Option<PathBuf>,
    /// Read content files that symlinks lead to outside the content directory
    /// (refused with a warning otherwise).
    #[arg(long, env = "SSHFOLIO_FOLLOW_SYMLINKS")]
    follow_symlinks: bool,
    /// Host key directory [default: keys].
    #[arg(long, env = "SSHFOLIO_KEYS")]
    keys: Option<PathBuf>,
    /// Most open connections at once [default: 1024].
    #[arg(long, env = "SSHFOLIO_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Most open connections from one IP address [default: 8].
    #[arg(long, env = "SSHFOLIO_MAX_PER_IP")]
    max_per_ip: Option<usize>,
    /// Seconds without guest input before a session ends (0: never) [default: 600].
    #[arg(long, env = "SSHFOLIO_IDLE_TIMEOUT")]
    idle_timeout: Option<u64>,
    /// A load balancer (CIDR or address, repeatable) whose connections start with a
    /// PROXY v1/v2 header naming the client.
    #[arg(long, env = "SSHFOLIO_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Vec<String>,
    /// Seconds a trusted proxy gets to send its header [default: 3].
    #[arg(long, env = "SSHFOLIO_PROXY_HEADER_TIMEOUT")]
    proxy_header_timeout: Option<f64>,
    /// Serve Prometheus metrics on this address (`GET /metrics`).
    #[arg(long, env = "SSHFOLIO_METRICS")]
    metrics: Option<std::net::SocketAddr>,
    /// Log lines as `text` or `json` [default: text].
    #[arg(long, env = "SSHFOLIO_LOG_FORMAT")]
    log_format: Option<LogFormat>,
    /// No colour for any guest (as if every client sent NO_COLOR).
    #[arg(long, env = "SSHFOLIO_NO_COLOR")]
    no_color: bool,
    /// No pictures for any guest: framed placeholders with alt text only.
    #[arg(long, env = "SSHFOLIO_NO_IMAGES")]
    no_images: bool,
    #[command(flatten)]
    hardening: HardeningArgs,
    #[command(flatten)]
    owner: OwnerArgs,
}

/// The owner's side (issue 15): analytics and guest identification.
#[derive(clap::Args, Debug, Clone)]
struct OwnerArgs {
    /// Data directory: the analytics database (stats.sqlite) and its secret [default: data].
    #[arg(long, env = "SSHFOLIO_DATA")]
    data: Option<PathBuf>,
    /// Record no visitor analytics.
    #[arg(long, env = "SSHFOLIO_NO_STATS")]
    no_stats: bool,
    /// Days analytics are kept; older rows are purged daily (0: forever) [default: 90].
    #[arg(long, env = "SSHFOLIO_STATS_RETENTION")]
    stats_retention: Option<u32>,
    /// Recognise returning guests by their public key: offer `publickey` and
    /// `keyboard-interactive` (no prompt) instead of accepting `none`. Clients in
    /// BatchMode without a key are then refused (see README).
    #[arg(long, env = "SSHFOLIO_IDENTIFY_GUESTS")]
    identify_guests: bool,
}

impl ServeArgs {
    /// The settings given by flags and environment.
    fn given(&self) -> FileConfig {
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
    fn resolve(&self) -> anyhow::Result<ServeConfig> {
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
struct HardeningArgs {
    /// Connections logging in at once, `start:rate:full` (as sshd's MaxStartups) [default: 32:30:128].
    #[arg(long, env = "SSHFOLIO_MAX_STARTUPS")]
    max_startups: Option<sshfolio::config::Startups>,
    /// New connections per second from one IP address (sustained) [default: 2].
    #[arg(long, env = "SSHFOLIO_PER_IP_RATE")]
    per_ip_rate: Option<f64>,
    /// New connections from one IP address in a burst [default: 24].
    #[arg(long, env = "SSHFOLIO_PER_IP_BURST")]
    per_ip_burst: Option<u32>,
    /// Seconds from connect to an open session before the connection is closed [default: 20].
    #[arg(long, env = "SSHFOLIO_LOGIN_DEADLINE")]
    login_deadline: Option<u64>,
    /// Seconds of on-screen countdown before the idle kick or the session cap [default: 60].
    #[arg(long, env = "SSHFOLIO_IDLE_WARNING")]
    idle_warning: Option<u64>,
    /// Longest session in seconds, whatever the guest does (0: no cap) [default: 3600].
    #[arg(long, env = "SSHFOLIO_MAX_SESSION")]
    max_session: Option<u64>,
    /// Seconds a guest may leave a frame unread before it is dropped [default: 30].
    #[arg(long, env = "SSHFOLIO_STALL_TIMEOUT")]
    stall_timeout: Option<u64>,
    /// Guest input per session, bytes per second (0: unlimited) [default: 16384].
    #[arg(long, env = "SSHFOLIO_INPUT_RATE")]
    input_rate: Option<u32>,
    /// Guest input per session, bytes in a burst [default: 65536].
    #[arg(long, env = "SSHFOLIO_INPUT_BURST")]
    input_burst: Option<u32>,
    /// Seconds without input from a client before an SSH keepalive is sent; each idle
    /// guest costs one round trip per interval. Dead peers are found by the kernel's TCP
    /// keepalives (within about a minute, no wake-up); this is only for NATs that track SSH
    /// traffic alone [default: 300].
    #[arg(long, env = "SSHFOLIO_KEEPALIVE_INTERVAL")]
    keepalive_interval: Option<u64>,
    /// Unanswered keepalives in a row that close the connection [default: 3].
    #[arg(long, env = "SSHFOLIO_KEEPALIVE_MAX")]
    keepalive_max: Option<usize>,
    /// Per-source limits count one IPv4 /v4 and IPv6 /v6 block as one source, `v4:v6`
    /// (as sshd's PerSourceNetBlockSize) [default: 32:64].
    #[arg(long, env = "SSHFOLIO_PER_SOURCE_NET_BLOCK_SIZE")]
    per_source_net_block_size: Option<sshfolio::config::NetBlock>,
    /// Connections from one source logging in at once; more are refused [default: 4].
    #[arg(long, env = "SSHFOLIO_MAX_STARTUPS_PER_SOURCE")]
    max_startups_per_source: Option<usize>,
    /// Seconds from connect to the client's SSH banner and KEXINIT [default: 5].
    #[arg(long, env = "SSHFOLIO_HANDSHAKE_DEADLINE")]
    handshake_deadline: Option<u64>,
    /// Seconds of penalty a source earns whenever one of its connections hits a
    /// deadline; a source owing more than this is refused until it has waited (0: off)
    /// [default: 10].
    #[arg(long, env = "SSHFOLIO_SOURCE_PENALTY")]
    source_penalty: Option<u64>,
    /// Session channels open at once on one connection (ControlMaster, asyncssh)
    /// [default: 4].
    #[arg(long, env = "SSHFOLIO_MAX_CHANNELS")]
    max_channels: Option<usize>,
    /// Seconds a logged-in connection may go without a running session before it is
    /// closed (between ControlMaster commands, or before a first request) [default: 5].
    #[arg(long, env = "SSHFOLIO_CHANNEL_GRACE")]
    channel_grace: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum Command {
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
        #[arg(long = "link", value_parser = sshfolio::init::parse_link)]
        links: Vec<(String, String)>,
        /// Write into a non-empty directory (our files are overwritten, others kept).
        #[arg(long)]
        force: bool,
    },
    /// Visitor analytics from one or more servers' data directories, merged.
    Stats {
        /// How far back: 7d, 24h, 2w…
        #[arg(long, default_value = "7d", value_parser = sshfolio::stats::report::parse_since)]
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
    Bench(sshfolio::bench::BenchArgs),
    /// Run the UI in this terminal.
    Local {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
        /// Read files that symlinks lead to outside the content directory.
        #[arg(long, env = "SSHFOLIO_FOLLOW_SYMLINKS")]
        follow_symlinks: bool,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Check {
            content,
            follow_symlinks,
        }) => return check(&content, load_options(follow_symlinks)),
        Some(Command::Init {
            dir,
            name,
            tagline,
            links,
            force,
        }) => init(sshfolio::init::InitOptions {
            dir,
            name,
            tagline,
            links,
            force,
        }),
        Some(Command::Stats { since, json, data }) => stats(since, json, data),
        Some(Command::ImportNuxt {
            payload,
            out,
            force,
            fetch_images: fetch,
            site,
        }) => import(&payload, &out, force).and_then(|()| {
            if fetch {
                fetch_images(&out, site.as_deref())
            } else {
                Ok(())
            }
        }),
        Some(Command::FetchImages { content, site }) => fetch_images(&content, site.as_deref()),
        Some(Command::Local {
            content,
            follow_symlinks,
        }) => local(&content, load_options(follow_symlinks)),
        Some(Command::Health {
            target,
            proxy,
            timeout,
        }) => health(target, proxy, timeout),
        Some(Command::Bench(args)) => bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_options(follow_symlinks: bool) -> content::LoadOptions {
    content::LoadOptions { follow_symlinks }
}

fn check(dir: &std::path::Path, opts: content::LoadOptions) -> ExitCode {
    match content::load_with(dir, opts) {
        Ok(index) => {
            for w in &index.warnings {
                eprintln!("{w}");
            }
            println!(
                "{}: ok: {} projects, {} posts, {} stories, {} warning(s)",
                dir.display(),
                index.projects.len(),
                index.posts.len(),
                index.stories.len(),
                index.warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            ExitCode::from(1)
        }
    }
}

fn init(opts: sshfolio::init::InitOptions) -> anyhow::Result<()> {
    sshfolio::init::init(&opts)?;
    print!("{}", sshfolio::init::next_steps(&opts.dir));
    Ok(())
}

fn stats(since: i64, json: bool, mut data: Vec<PathBuf>) -> anyhow::Result<()> {
    if data.is_empty() {
        data.push(PathBuf::from("data"));
    }
    let now = sshfolio::stats::recorder::now_secs();
    let report = sshfolio::stats::report::build(&data, since, now)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", sshfolio::stats::text::render(&report));
    }
    Ok(())
}

fn import(payload: &std::path::Path, out: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let report = content::import::import_nuxt(payload, out, force)?;
    println!(
        "imported {} projects, {} posts, {} stories into {}",
        report.projects,
        report.posts,
        report.stories,
        out.display()
    );
    Ok(())
}

fn fetch_images(content: &std::path::Path, site: Option<&str>) -> anyhow::Result<()> {
    let limits = sshfolio::fetch::Limits::default();
    let report =
        sshfolio::fetch::fetch_images(content, site, limits, &mut |line| eprintln!("{line}"))?;
    println!(
        "images: {} fetched, {} already here, {} failed{}",
        report.fetched.len(),
        report.present,
        report.failed.len(),
        if report.no_site.is_empty() {
            String::new()
        } else {
            format!(", {} need --site", report.no_site.len())
        }
    );
    Ok(())
}

fn init_tracing(format: LogFormat) {
    sshfolio::logging::init(format);
}

fn health(target: std::net::SocketAddr, proxy: bool, timeout: u64) -> anyhow::Result<()> {
    let timeout = std::time::Duration::from_secs(timeout.max(1));
    let banner = runtime()?.block_on(sshfolio::ssh::health::probe(target, proxy, timeout))?;
    println!("{target}: {banner}");
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Load content, printing every diagnostic; an error if the content is broken.
fn load_content(
    dir: &std::path::Path,
    opts: content::LoadOptions,
) -> anyhow::Result<content::Index> {
    match content::load_with(dir, opts) {
        Ok(index) => {
            for w in &index.warnings {
                eprintln!("{w}");
            }
            Ok(index)
        }
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            anyhow::bail!("{}: {e}", dir.display())
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::sync::Arc;
    use std::time::Duration;

    let cfg = args.resolve()?;
    if args.print_config {
        print!("{}", serde_yaml::to_string(&cfg.to_file())?);
        return Ok(());
    }
    init_tracing(cfg.log_format);
    open_files(cfg.limits.max_connections);

    let load = load_options(cfg.follow_symlinks);
    let index = load_content(&cfg.content, load)?;
    sshfolio::render::warm::warm(&index);
    let host_key = sshfolio::ssh::hostkey::load_or_generate(&cfg.keys)?;
    tracing::info!(
        fingerprint = %sshfolio::ssh::hostkey::fingerprint(&host_key),
        "host key"
    );
    let owner = owner_side(&cfg);
    let recorder = owner.recorder.clone();
    let rt = runtime()?;
    let result = rt.block_on(async move {
        let listeners = sshfolio::ssh::accept::bind(&cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {:?}", cfg.listen))?;
        if let Some(addr) = cfg.metrics {
            let metrics = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot serve metrics on {addr}"))?;
            tracing::info!("metrics on http://{}/metrics", metrics.local_addr()?);
            // Ends with the runtime.
            tokio::spawn(sshfolio::metrics::http::serve(
                metrics,
                std::future::pending(),
            ));
        }
        // The sender stays here: a content watcher publishes reloads through it.
        let (index_tx, index_rx) = tokio::sync::watch::channel(Arc::new(index));
        let _watcher = watch_content(&cfg.content, load, index_tx.clone());
        // The first guest to open a post pays for layout only: the starting content was
        // highlighted before we listen (below), every reload is in the background.
        tokio::spawn(sshfolio::render::warm::follow(index_tx.subscribe()));
        let server = sshfolio::ssh::Server {
            host_key,
            index: index_rx,
            limits: cfg.limits.clone(),
            test_hooks: false,
            proxy: cfg.proxy.clone(),
            owner,
        };
        sshfolio::ssh::serve(server, listeners, shutdown_signal()).await?;
        // Commit what the sessions recorded (bounded: a failing disk must not hold us).
        let _ = tokio::time::timeout(Duration::from_secs(3), recorder.flush()).await;
        drop(index_tx);
        Ok(())
    });
    // Sessions have restored their terminals by now; don't wait on stragglers.
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}

/// Every connection is a file: raise the soft limit to the hard one, and say when
/// `--max-connections` cannot fit (accept then backs off on EMFILE instead of serving).
fn open_files(max_connections: usize) {
    match sshfolio::nofile::raise() {
        Some((soft, hard)) if sshfolio::nofile::fits(soft) < max_connections as u64 => {
            tracing::warn!(
                soft,
                hard,
                max_connections,
                "the open-file limit holds fewer connections than --max-connections; raise it (ulimit -n, LimitNOFILE=)"
            )
        }
        Some((soft, _)) => tracing::debug!(soft, "open-file limit"),
        None => {}
    }
}

/// Analytics (unless `--no-stats`), guest identification, and the owners file.
fn owner_side(cfg: &ServeConfig) -> sshfolio::ssh::owner::OwnerSide {
    let o = &cfg.owner;
    let recorder = if o.stats {
        let mut opts = sshfolio::stats::StatsOptions::new(&o.data);
        opts.retention_days = o.stats_retention;
        sshfolio::stats::start(opts)
    } else {
        tracing::info!("stats: off (--no-stats)");
        sshfolio::stats::Recorder::off()
    };
    sshfolio::ssh::owner::OwnerSide {
        recorder,
        identify_guests: o.identify_guests,
        owners: Some(cfg.keys.join(sshfolio::stats::owners::OWNERS_FILE)),
        data: o.stats.then(|| o.data.clone()),
    }
}

/// Hot reload: the content watcher, and SIGHUP as a manual trigger. Without a watcher
/// (no inotify left, say) the server still runs; SIGHUP then does nothing.
fn watch_content(
    dir: &std::path::Path,
    load: content::LoadOptions,
    index: tokio::sync::watch::Sender<std::sync::Arc<content::Index>>,
) -> Option<std::sync::Arc<content::watch::ContentWatcher>> {
    use content::watch::{ContentWatcher, WatchOptions};
    let opts = WatchOptions {
        load,
        ..Default::default()
    };
    let watcher = match ContentWatcher::start(dir, index, opts) {
        Ok(w) => std::sync::Arc::new(w),
        Err(e) => {
            tracing::warn!("hot reload is off: {e}");
            return None;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(mut hup) => {
                let w = std::sync::Arc::downgrade(&watcher);
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        let Some(w) = w.upgrade() else { break };
                        tracing::info!("SIGHUP: reloading content");
                        w.reload();
                    }
                });
            }
            Err(e) => tracing::warn!("SIGHUP will not reload: {e}"),
        }
    }
    Some(watcher)
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn local(content: &std::path::Path, opts: content::LoadOptions) -> anyhow::Result<()> {
    let index = load_content(content, opts)?;
    let end = runtime()?
        .block_on(sshfolio::session::local::run(index))
        .map_err(|e| anyhow::anyhow!("terminal: {e}"))?;
    if let sshfolio::session::End::Error(e) = end {
        anyhow::bail!("{e}");
    }
    Ok(())
}

fn bench(args: sshfolio::bench::BenchArgs) -> anyhow::Result<()> {
    let cfg = args.config()?;
    if let Some((soft, _)) = sshfolio::nofile::raise()
        && sshfolio::nofile::fits(soft) < cfg.sessions as u64
    {
        eprintln!(
            "sshfolio bench: {} sessions need more than the {soft} open files allowed (ulimit -n)",
            cfg.sessions
        );
    }
    let report = runtime()?.block_on(sshfolio::bench::run(cfg))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", sshfolio::bench::table(&report));
    }
    Ok(())
}
