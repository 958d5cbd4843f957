//! `ProxyPolicy`: which sources may send a PROXY protocol header, and how long they
//! get to send it. A setting (read here, with `config`), used by `ssh::proxy` when a
//! connection comes in.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

/// Who may send PROXY headers, and how long they get to send one.
#[derive(Debug, Clone)]
pub struct ProxyPolicy {
    pub trusted: Vec<IpNet>,
    pub header_timeout: Duration,
}

impl Default for ProxyPolicy {
    fn default() -> Self {
        Self {
            trusted: Vec::new(),
            header_timeout: Duration::from_secs(3),
        }
    }
}

impl ProxyPolicy {
    /// Whether connections from `ip` must start with a PROXY header.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }
}

/// A CIDR (`10.0.0.0/8`) or a single address (`127.0.0.1`, meaning `/32`).
pub fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    s.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("not a CIDR range or IP address: {s:?}"))
}
