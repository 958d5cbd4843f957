//! One session channel as the handler sees it: what the guest asked for on it (PTY,
//! environment) and its running work's inputs, the writer of frames to it, and how it
//! is closed. A connection has a few of these at once (see `handler`).

use std::time::Duration;

use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::{mpsc, watch};

use crate::session::{Closed, Output};

/// Longest TERM we keep.
const TERM_MAX: usize = 64;

#[derive(Debug, Clone)]
pub(crate) struct PtyInfo {
    pub(crate) term: String,
    pub(crate) size: (u16, u16),
    /// The request's size in pixels and in cells (for the cell size in pixels).
    pub(crate) pixels: (u32, u32),
    pub(crate) cells: (u32, u32),
}

/// One session channel: what the guest asked for on it, and its running work's inputs.
#[derive(Default)]
pub(crate) struct Chan {
    pub(crate) pty: Option<PtyInfo>,
    pub(crate) env: Vec<(String, String)>,
    /// Input for the running TUI session; dropped when the guest closes the channel.
    pub(crate) input: Option<mpsc::Sender<Vec<u8>>>,
    /// The terminal size for the running TUI session (latest wins, never blocks).
    pub(crate) size: Option<watch::Sender<(u16, u16)>>,
    pub(crate) started: bool,
}

impl Chan {
    pub(crate) fn env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Exit status, EOF and close, each bounded in time (the guest may be gone).
pub(crate) async fn close(handle: &Handle, channel: ChannelId, status: u32) {
    let t = Duration::from_secs(2);
    let _ = tokio::time::timeout(t, handle.exit_status_request(channel, status)).await;
    let _ = tokio::time::timeout(t, handle.eof(channel)).await;
    let _ = tokio::time::timeout(t, handle.close(channel)).await;
}

/// Frames to the guest's channel. `Handle::data` waits while russh's queue is full,
/// which is our backpressure.
#[derive(Clone)]
pub struct ChannelOutput {
    pub(crate) handle: Handle,
    pub(crate) channel: ChannelId,
}

impl Output for ChannelOutput {
    fn send(
        &self,
        bytes: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), Closed>> + Send + 'static {
        let handle = self.handle.clone();
        let channel = self.channel;
        async move { handle.data(channel, bytes).await.map_err(|_| Closed) }
    }

    /// Queued for russh's connection task without waiting while its queue has room
    /// (`Handle::try_data`, an sshfolio patch); a full queue gives the bytes back.
    fn try_send(&self, bytes: Vec<u8>) -> Result<Result<(), Closed>, Vec<u8>> {
        use tokio::sync::mpsc::error::TrySendError;
        match self.handle.try_data(self.channel, bytes) {
            Ok(()) => Ok(Ok(())),
            Err(TrySendError::Closed(_)) => Ok(Err(Closed)),
            Err(TrySendError::Full(bytes)) => Err(Vec::from(bytes)),
        }
    }
}

pub(crate) fn clean_term(term: &str) -> String {
    let t: String = term
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(TERM_MAX)
        .collect();
    if t.is_empty() { "xterm".into() } else { t }
}
