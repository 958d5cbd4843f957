//! `sshfolio local`: the same session in this process's own terminal. Raw mode through
//! crossterm, stdin bytes through the same input parser as SSH guests, SIGWINCH for
//! resizes, frames written to stdout. The terminal is restored on exit and on panic.
//! Pictures: the terminal is probed as an SSH guest's is (`graphics::detect`: the first
//! frame never waits, the answers switch the protocol, the input parser eats them).

use std::io::{Read, Write};
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::{ByteScreen, Closed, End, Io, Output, RESTORE, SessionConfig, Shared, clamp_size};
use crate::content::Index;
use crate::render::cache::RenderCache;
use crate::session::AppOptions;
use crate::theme::ColorDepth;

#[derive(Clone)]
struct Stdout;

impl Output for Stdout {
    fn send(
        &self,
        bytes: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), Closed>> + Send + 'static {
        // A local terminal write is quick; doing it before returning keeps the future
        // free of the (non-Send) stdout lock.
        let mut out = std::io::stdout().lock();
        let r = out
            .write_all(&bytes)
            .and_then(|()| out.flush())
            .map_err(|_| Closed);
        std::future::ready(r)
    }
}

/// Leaves raw mode when dropped, whatever happened.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = ratatui::crossterm::terminal::disable_raw_mode();
    }
}

fn size() -> (u16, u16) {
    match ratatui::crossterm::terminal::size() {
        Ok((c, r)) => clamp_size(c.into(), r.into()),
        Err(_) => (80, 24),
    }
}

/// What this terminal's environment says for pictures: `TERM`, `TERM_PROGRAM`,
/// `NO_COLOR` (or `no_images`), and the window's size in pixels when the tty knows it.
fn images_env(no_images: bool) -> crate::graphics::detect::Env {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let window = ratatui::crossterm::terminal::window_size().ok();
    crate::graphics::detect::Env {
        term: var("TERM").unwrap_or_default(),
        term_program: var("TERM_PROGRAM"),
        no_images: no_images || std::env::var_os("NO_COLOR").is_some(),
        pty_pixels: window
            .as_ref()
            .map(|w| (u32::from(w.width), u32::from(w.height))),
        pty_cells: window
            .as_ref()
            .map_or((0, 0), |w| (u32::from(w.columns), u32::from(w.rows))),
    }
}

/// Run the UI in this terminal until the user quits (`no_images`: no pictures).
pub async fn run(index: Index, no_images: bool) -> Result<End, String> {
    ratatui::crossterm::terminal::enable_raw_mode().map_err(|e| e.to_string())?;
    let _raw = RawMode;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let mut out = std::io::stdout();
        let _ = out.write_all(RESTORE);
        let _ = out.flush();
        let _ = ratatui::crossterm::terminal::disable_raw_mode();
        previous(info);
    }));

    let (input_tx, input_rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if input_tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });

    let (size_tx, size_rx) = watch::channel(size());
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut winch) = signal(SignalKind::window_change()) {
            tokio::spawn(async move {
                while winch.recv().await.is_some() {
                    if size_tx.send(size()).is_err() {
                        break;
                    }
                }
            });
        }
    }

    let (_index_tx, index_rx) = watch::channel(Arc::new(index));
    let (_guests_tx, guests_rx) = watch::channel(1usize);
    let (_shutdown_tx, shutdown_rx) = watch::channel(false);
    let shared = Shared {
        index: index_rx,
        guests: guests_rx,
        shutdown: shutdown_rx,
        cache: RenderCache::new(),
        first: Default::default(),
    };
    let term = std::env::var("TERM").ok();
    let colorterm = std::env::var("COLORTERM").ok();
    let opts = AppOptions {
        depth: ColorDepth::detect(
            term.as_deref(),
            colorterm.as_deref(),
            std::env::var_os("NO_COLOR").is_some(),
        ),
        ..Default::default()
    };
    let (cols, rows) = *size_rx.borrow();
    let screen = ByteScreen::new(cols, rows)?;
    let io = Io {
        input: input_rx,
        size: size_rx,
        output: Stdout,
    };
    let cfg = SessionConfig {
        images: Some(images_env(no_images)),
        ..SessionConfig::default()
    };
    Ok(super::run(screen, opts, io, shared, cfg).await)
}
