//! Configuration for `serve`: flags, `SSHFOLIO_*` environment, defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings of a running server. Built by `main.rs` from flags and environment.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Addresses to listen on; port 0 binds a free port.
    pub listen: Vec<SocketAddr>,
    pub content: PathBuf,
    pub keys: PathBuf,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 2222))],
            content: PathBuf::from("content"),
            keys: PathBuf::from("keys"),
        }
    }
}
