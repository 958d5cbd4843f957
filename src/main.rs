//! The command line: the edge where errors become messages and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sshfolio::config::{Limits, ServeConfig};
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

#[derive(clap::Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on (repeatable); port 0 binds a free port.
    #[arg(long, env = "SSHFOLIO_LISTEN", value_delimiter = ',')]
    listen: Vec<std::net::SocketAddr>,
    /// Content directory.
    #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
    content: PathBuf,
    /// Host key directory.
    #[arg(long, env = "SSHFOLIO_KEYS", default_value = "keys")]
    keys: PathBuf,
    /// Most open connections at once.
    #[arg(long, env = "SSHFOLIO_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Most open connections from one IP address.
    #[arg(long, env = "SSHFOLIO_MAX_PER_IP", default_value_t = Limits::default().max_per_ip)]
    max_per_ip: usize,
    /// New connections per second from one IP address (sustained).
    #[arg(long, env = "SSHFOLIO_PER_IP_RATE", default_value_t = Limits::default().per_ip_rate)]
    per_ip_rate: f64,
    /// New connections from one IP address in a burst.
    #[arg(long, env = "SSHFOLIO_PER_IP_BURST", default_value_t = Limits::default().per_ip_burst)]
    per_ip_burst: u32,
    /// Seconds without guest input before a session ends (0: never).
    #[arg(long, env = "SSHFOLIO_IDLE_TIMEOUT", default_value_t = 600)]
    idle_timeout: u64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the SSH server (the default).
    Serve(ServeArgs),
    /// Validate a content directory; `path:line:col: message` per problem, exit 1 on errors.
    Check {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
    },
    /// Turn a Nuxt `_payload.json` into content source files.
    ImportNuxt {
        payload: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Overwrite a non-empty output directory.
        #[arg(long)]
        force: bool,
    },
    /// Load-test an SSH server (ours or OpenSSH running `sshfolio local`).
    Bench(sshfolio::bench::BenchArgs),
    /// Run the UI in this terminal.
    Local {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Check { content }) => return check(&content),
        Some(Command::ImportNuxt {
            payload,
            out,
            force,
        }) => import(&payload, &out, force),
        Some(Command::Local { content }) => local(&content),
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

fn check(dir: &std::path::Path) -> ExitCode {
    match content::load(dir) {
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

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,russh=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Load content, printing every diagnostic; an error if the content is broken.
fn load_content(dir: &std::path::Path) -> anyhow::Result<content::Index> {
    match content::load(dir) {
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

    init_tracing();
    let mut cfg = ServeConfig {
        content: args.content,
        keys: args.keys,
        ..Default::default()
    };
    if !args.listen.is_empty() {
        cfg.listen = args.listen;
    }
    cfg.limits.max_connections = args.max_connections;
    cfg.limits.max_per_ip = args.max_per_ip;
    cfg.limits.per_ip_rate = args.per_ip_rate;
    cfg.limits.per_ip_burst = args.per_ip_burst;
    cfg.limits.idle_timeout =
        (args.idle_timeout > 0).then(|| Duration::from_secs(args.idle_timeout));

    let index = load_content(&cfg.content)?;
    let host_key = sshfolio::ssh::hostkey::load_or_generate(&cfg.keys)?;
    tracing::info!(
        fingerprint = %sshfolio::ssh::hostkey::fingerprint(&host_key),
        "host key"
    );
    let rt = runtime()?;
    let result = rt.block_on(async move {
        let listeners = sshfolio::ssh::accept::bind(&cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {:?}", cfg.listen))?;
        // The sender stays here: a content watcher publishes reloads through it.
        let (index_tx, index_rx) = tokio::sync::watch::channel(Arc::new(index));
        let server = sshfolio::ssh::Server {
            host_key,
            index: index_rx,
            limits: cfg.limits.clone(),
            test_hooks: false,
        };
        sshfolio::ssh::serve(server, listeners, shutdown_signal()).await?;
        drop(index_tx);
        Ok(())
    });
    // Sessions have restored their terminals by now; don't wait on stragglers.
    rt.shutdown_timeout(Duration::from_millis(200));
    result
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

fn local(content: &std::path::Path) -> anyhow::Result<()> {
    let index = load_content(content)?;
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
    let report = runtime()?.block_on(sshfolio::bench::run(cfg))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", sshfolio::bench::table(&report));
    }
    Ok(())
}
