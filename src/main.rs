//! The command line: the edge where errors become messages and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use sshfolio::cli::{Cli, Command, ServeArgs};
use sshfolio::config::{LogFormat, ServeConfig};
use sshfolio::content;

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
            no_images,
        }) => local(&content, load_options(follow_symlinks), no_images),
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

fn local(
    content: &std::path::Path,
    opts: content::LoadOptions,
    no_images: bool,
) -> anyhow::Result<()> {
    let index = load_content(content, opts)?;
    let end = runtime()?
        .block_on(sshfolio::session::local::run(index, no_images))
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
