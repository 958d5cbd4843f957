//! Hot reload: a debounced file watcher on the content directory that rebuilds the
//! index off the session tasks and publishes it to every session.
//!
//! `notify` reports changes from its own thread; the callback only filters the event and
//! wakes the reload task (a `Notify`, so a burst of 5,000 events costs one permit, not a
//! queue). The task waits for `quiet` without events (at most `max_delay` after the
//! first one), rebuilds the whole index in `spawn_blocking`, and publishes it on the
//! `watch::Sender<Arc<Index>>` the server hands to sessions. A load that fails logs each
//! diagnostic as `path:line:col: message` and publishes nothing: the last good index
//! keeps serving, and the next save (or `reload`, e.g. on SIGHUP) tries again.
//!
//! The content directory itself may be deleted and recreated (a `git checkout`, an
//! rsync into a fresh dir): its parent is watched too, and before each rebuild the
//! recursive watch is re-armed when the directory's identity changed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, CreateKind, RemoveKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tracing::instrument::WithSubscriber;

use super::diag::Severity;
use super::{Index, LoadError, LoadOptions, load_with};

/// Timing of the reload task.
#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// Rebuild once this long has passed without a new event…
    pub quiet: Duration,
    /// …or this long after the first event of a burst that never goes quiet.
    pub max_delay: Duration,
    /// A rebuild still running after this long is logged and left to finish on its
    /// own: later rebuilds start without waiting for it (and win over it).
    pub slow: Duration,
    /// How each rebuild reads the directory.
    pub load: LoadOptions,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            slow: Duration::from_secs(5),
            load: LoadOptions::default(),
        }
    }
}

/// What the reload task has done so far (for logs, tests and operators).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadStatus {
    /// Rebuilds attempted.
    pub attempts: u64,
    /// Rebuilds that published a new index.
    pub reloads: u64,
    /// The generation of the index now served (0 before the first reload).
    pub generation: u64,
    /// The diagnostics of the last failed rebuild (`path:line:col: message`), cleared
    /// by the next good one.
    pub last_error: Option<Vec<String>>,
}

/// The watcher could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch {path}: {source}")]
pub struct WatchError {
    path: PathBuf,
    #[source]
    source: notify::Error,
}

/// A running content watcher. Dropping it stops watching.
pub struct ContentWatcher {
    wake: Arc<Notify>,
    status: watch::Receiver<ReloadStatus>,
    task: tokio::task::JoinHandle<()>,
}

impl ContentWatcher {
    /// Watch `dir` and publish every good rebuild on `index`. Call inside a tokio
    /// runtime. The reload task logs through the subscriber current at this call.
    pub fn start(
        dir: &Path,
        index: watch::Sender<Arc<Index>>,
        opts: WatchOptions,
    ) -> Result<Self, WatchError> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let wake = Arc::new(Notify::new());
        let on_event = {
            let wake = wake.clone();
            let dir = dir.clone();
            move |res: notify::Result<notify::Event>| match res {
                Ok(ev) if relevant(&ev, &dir) => wake.notify_one(),
                Ok(_) => {}
                // An error from the backend (e.g. a lost watch): rebuild to be safe.
                Err(_) => wake.notify_one(),
            }
        };
        let mut watcher = notify::recommended_watcher(on_event).map_err(|source| WatchError {
            path: dir.clone(),
            source,
        })?;
        // The parent tells us when the content directory itself comes and goes.
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty())
            && let Err(e) = watcher.watch(parent, RecursiveMode::NonRecursive)
        {
            tracing::warn!(dir = %parent.display(), "cannot watch: {e}");
        }
        let mut armed = None;
        arm(&mut watcher, &dir, &mut armed);
        let generation = index.borrow().generation;
        let (status_tx, status) = watch::channel(ReloadStatus {
            generation,
            ..Default::default()
        });
        let task = tokio::spawn(
            run(
                Reloader {
                    dir,
                    watcher,
                    armed,
                    out: Arc::new(Publisher {
                        index,
                        status: status_tx,
                        latest: AtomicU64::new(0),
                    }),
                    load: opts.load,
                    slow: opts.slow,
                },
                wake.clone(),
                opts,
            )
            .with_current_subscriber(),
        );
        Ok(Self { wake, status, task })
    }

    /// Rebuild now (after the usual quiet period), e.g. on SIGHUP.
    pub fn reload(&self) {
        self.wake.notify_one();
    }

    /// Follow what the reload task does.
    pub fn status(&self) -> watch::Receiver<ReloadStatus> {
        self.status.clone()
    }
}

impl Drop for ContentWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Identity of the watched directory (so a deleted and recreated one is re-armed).
#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = std::time::SystemTime;

fn dir_id(dir: &Path) -> Option<DirId> {
    let m = std::fs::metadata(dir).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        m.created().ok()
    }
}

/// (Re-)watch `dir` recursively if it exists and is not the directory already watched.
fn arm(watcher: &mut RecommendedWatcher, dir: &Path, armed: &mut Option<DirId>) {
    let now = dir_id(dir);
    if now == *armed {
        return;
    }
    // The old watch is gone with the old directory; forget it if the backend did not.
    let _ = watcher.unwatch(dir);
    *armed = None;
    if now.is_some() {
        match watcher.watch(dir, RecursiveMode::Recursive) {
            Ok(()) => *armed = now,
            Err(e) => tracing::warn!(dir = %dir.display(), "cannot watch: {e}"),
        }
    }
}

/// Does this event concern the content? Our own reads (open/close-nowrite), editor
/// swap and backup files, and the parent's other entries do not.
fn relevant(ev: &notify::Event, dir: &Path) -> bool {
    match ev.kind {
        EventKind::Access(AccessKind::Open(_) | AccessKind::Read)
        | EventKind::Access(AccessKind::Close(AccessMode::Read | AccessMode::Execute)) => {
            return false;
        }
        _ => {}
    }
    if ev.paths.is_empty() || ev.need_rescan() {
        return true;
    }
    let folder = matches!(
        ev.kind,
        EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
    );
    ev.paths.iter().any(|p| {
        if p == dir {
            return true;
        }
        let Ok(rel) = p.strip_prefix(dir) else {
            return false;
        };
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            return true;
        };
        if name.starts_with('.') || rel.as_os_str().is_empty() {
            return false;
        }
        if folder {
            return true;
        }
        match Path::new(name).extension().and_then(|e| e.to_str()) {
            // A directory (or an extensionless file we would not read anyway).
            None => true,
            Some(ext) => matches!(ext, "md" | "yml" | "yaml"),
        }
    })
}

struct Reloader {
    dir: PathBuf,
    watcher: RecommendedWatcher,
    armed: Option<DirId>,
    out: Arc<Publisher>,
    load: LoadOptions,
    slow: Duration,
}

/// Where rebuilds publish; shared with a slow rebuild left running on its own.
struct Publisher {
    index: watch::Sender<Arc<Index>>,
    status: watch::Sender<ReloadStatus>,
    /// The number of the latest rebuild started: only it may publish.
    latest: AtomicU64,
}

async fn run(mut r: Reloader, wake: Arc<Notify>, opts: WatchOptions) {
    loop {
        wake.notified().await;
        let first = Instant::now();
        // Debounce: wait for `quiet` without events, but not past `max_delay`.
        loop {
            let deadline = (Instant::now() + opts.quiet).min(first + opts.max_delay);
            match tokio::time::timeout_at(deadline, wake.notified()).await {
                Ok(()) if Instant::now() < first + opts.max_delay => continue,
                _ => break,
            }
        }
        r.rebuild().await;
    }
}

impl Reloader {
    async fn rebuild(&mut self) {
        // Arm before reading: anything written after this point raises a new event.
        arm(&mut self.watcher, &self.dir, &mut self.armed);
        let dir = self.dir.clone();
        let load = self.load;
        let seq = self.out.latest.fetch_add(1, Ordering::SeqCst) + 1;
        let began = std::time::Instant::now();
        let mut task = tokio::task::spawn_blocking(move || load_with(&dir, load));
        let result = match tokio::time::timeout(self.slow, &mut task).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(
                    dir = %self.dir.display(),
                    secs = self.slow.as_secs_f64(),
                    "content reload is still running; later reloads will not wait for it"
                );
                let out = self.out.clone();
                let dir = self.dir.clone();
                tokio::spawn(
                    async move {
                        let result = task.await;
                        if out.latest.load(Ordering::SeqCst) == seq {
                            out.publish(&dir, result, began);
                        } else {
                            tracing::info!(
                                dir = %dir.display(),
                                ms = format!("{:.1}", began.elapsed().as_secs_f64() * 1000.0),
                                "a slow content reload finished after a newer one started; discarded"
                            );
                        }
                    }
                    .with_current_subscriber(),
                );
                return;
            }
        };
        self.out.publish(&self.dir, result, began);
    }
}

impl Publisher {
    fn publish(
        &self,
        dir: &Path,
        result: Result<Result<Index, LoadError>, tokio::task::JoinError>,
        began: std::time::Instant,
    ) {
        let loaded = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(dir = %dir.display(), "content reload crashed: {e}");
                self.status.send_modify(|s| {
                    s.attempts += 1;
                    s.last_error = Some(vec![format!("reload crashed: {e}")]);
                });
                return;
            }
        };
        let ms = began.elapsed().as_secs_f64() * 1000.0;
        match loaded {
            Ok(index) => {
                for w in &index.warnings {
                    tracing::warn!("{w}");
                }
                let generation = index.generation;
                tracing::info!(
                    generation,
                    projects = index.projects.len(),
                    posts = index.posts.len(),
                    stories = index.stories.len(),
                    ms = format!("{ms:.1}"),
                    "content reloaded"
                );
                self.index.send_replace(Arc::new(index));
                self.status.send_modify(|s| {
                    s.attempts += 1;
                    s.reloads += 1;
                    s.generation = generation;
                    s.last_error = None;
                });
            }
            Err(e) => {
                for d in &e.diagnostics {
                    match d.severity {
                        Severity::Error => tracing::error!("{d}"),
                        Severity::Warning => tracing::warn!("{d}"),
                    }
                }
                let serving = self.index.borrow().generation;
                tracing::error!(
                    generation = serving,
                    "content reload failed ({e}); still serving the last good content"
                );
                let lines = e.diagnostics.iter().map(|d| d.to_string()).collect();
                self.status.send_modify(|s| {
                    s.attempts += 1;
                    s.last_error = Some(lines);
                });
            }
        }
    }
}
