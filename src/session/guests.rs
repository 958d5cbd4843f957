//! Guests online: how many interactive sessions are open right now.
//!
//! A `watch` channel holds the count: sessions wake only when it changes, and a guard
//! per session keeps it right on every exit path (including a panic, which drops it).

use tokio::sync::watch;

/// The counter. Cheap to clone; all clones share one count.
#[derive(Debug, Clone)]
pub struct Guests {
    tx: watch::Sender<usize>,
}

impl Default for Guests {
    fn default() -> Self {
        Self::new()
    }
}

impl Guests {
    pub fn new() -> Self {
        Self {
            tx: watch::Sender::new(0),
        }
    }

    /// Count one more guest until the returned guard is dropped.
    pub fn join(&self) -> GuestGuard {
        self.tx.send_modify(|n| *n += 1);
        GuestGuard {
            tx: self.tx.clone(),
        }
    }

    pub fn now(&self) -> usize {
        *self.tx.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<usize> {
        self.tx.subscribe()
    }
}

/// One guest online; dropping it counts them out.
#[derive(Debug)]
pub struct GuestGuard {
    tx: watch::Sender<usize>,
}

impl Drop for GuestGuard {
    fn drop(&mut self) {
        self.tx.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_count_in_and_out() {
        let g = Guests::new();
        let a = g.join();
        let b = g.join();
        assert_eq!(g.now(), 2);
        drop(a);
        assert_eq!(g.now(), 1);
        drop(b);
        assert_eq!(g.now(), 0);
    }
}
