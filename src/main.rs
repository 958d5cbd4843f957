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
    /// Seconds without guest input before a session ends (0: never).
    #[arg(long, env = "SSHFOLIO_IDLE_TIMEOUT", default_value_t = 600)]
    idle_timeout: u64,
    /// No colour for any guest (as if every client sent NO_COLOR).
    #[arg(long, env = "SSHFOLIO_NO_COLOR")]
    no_color: bool,
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
    cfg.limits.no_color = args.no_color;
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
        let _watcher = watch_content(&cfg.content, index_tx.clone());
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

/// Hot reload: the content watcher, and SIGHUP as a manual trigger. Without a watcher
/// (no inotify left, say) the server still runs; SIGHUP then does nothing.
fn watch_content(
    dir: &std::path::Path,
    index: tokio::sync::watch::Sender<std::sync::Arc<content::Index>>,
) -> Option<std::sync::Arc<content::watch::ContentWatcher>> {
    use content::watch::{ContentWatcher, WatchOptions};
    let watcher = match ContentWatcher::start(dir, index, WatchOptions::default()) {
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
