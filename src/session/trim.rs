//! Give freed memory back to the OS after sessions hibernate.
//!
//! glibc keeps freed chunks resident inside its arenas, so without a trim a hibernated
//! guest would go on costing its dropped cell buffers in RSS. One lazily started thread
//! (not one per session) coalesces requests and calls `malloc_trim(0)` at most once per
//! `EVERY`, and once after the last request. Elsewhere than Linux/glibc it does nothing.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(1);

static TRIMMER: OnceLock<Option<SyncSender<()>>> = OnceLock::new();

/// Ask for a trim soon. Never blocks.
pub fn request() {
    let tx = TRIMMER.get_or_init(|| {
        let (tx, rx) = sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sshfolio-trim".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    std::thread::sleep(EVERY);
                    // Requests that came in meanwhile are served by this trim.
                    while rx.try_recv().is_ok() {}
                    trim();
                }
            })
            .ok()
            .map(|_| tx)
    });
    if let Some(tx) = tx {
        match tx.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: glibc's malloc_trim takes no pointers and is thread-safe.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
