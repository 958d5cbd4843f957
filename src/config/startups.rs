//! Source-address policy types: OpenSSH's `MaxStartups start:rate:full` and
//! `PerSourceNetBlockSize v4:v6` (which addresses count as one source).

use std::net::IpAddr;

/// OpenSSH's `MaxStartups start:rate:full` for connections that have begun the SSH
/// handshake (sent a byte) but not yet opened a session: below `start` all are served;
/// from `start` on, a new one is dropped with probability `rate`% rising linearly to
/// 100% at `full`. Connections that never send a byte cost no CPU and are left to the
/// global and per-IP caps and the login deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Startups {
    pub start: usize,
    pub rate: u8,
    pub full: usize,
}

impl Default for Startups {
    /// A curve25519 handshake costs ~0.2 ms of CPU, so a 1-core VPS can afford more
    /// concurrent logins than OpenSSH's 10:30:100 (sized for password checks).
    fn default() -> Self {
        Self {
            start: 32,
            rate: 30,
            full: 128,
        }
    }
}

impl std::str::FromStr for Startups {
    type Err = String;

    /// `start:rate:full` (as in sshd_config) or a single number (start = full).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected start:rate:full (like 10:30:100), got {s:?}");
        let nums: Vec<&str> = s.split(':').collect();
        let num = |t: &str| t.trim().parse::<usize>().map_err(|_| bad());
        let out = match nums.as_slice() {
            [n] => {
                let n = num(n)?;
                Self {
                    start: n,
                    rate: 100,
                    full: n,
                }
            }
            [a, r, f] => Self {
                start: num(a)?,
                rate: u8::try_from(num(r)?).map_err(|_| bad())?,
                full: num(f)?,
            },
            _ => return Err(bad()),
        };
        if out.start == 0 || out.full < out.start || out.rate > 100 {
            return Err(bad());
        }
        Ok(out)
    }
}

impl std::fmt::Display for Startups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.start, self.rate, self.full)
    }
}

impl Startups {
    /// Probability (0..=1) that a new connection is dropped when `n` are starting up.
    pub fn drop_probability(&self, n: usize) -> f64 {
        if n < self.start {
            0.0
        } else if n >= self.full {
            1.0
        } else {
            let rate = f64::from(self.rate) / 100.0;
            let span = (self.full - self.start) as f64;
            rate + (1.0 - rate) * (n - self.start) as f64 / span
        }
    }
}

/// OpenSSH's `PerSourceNetBlockSize`: per-source limits count every address in one
/// IPv4 /`v4` or IPv6 /`v6` block as one source (default /32 and /64: one IPv6 host
/// usually owns a whole /64, so counting single v6 addresses would be no limit at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetBlock {
    pub v4: u8,
    pub v6: u8,
}

impl Default for NetBlock {
    fn default() -> Self {
        Self { v4: 32, v6: 64 }
    }
}

impl NetBlock {
    /// The source block `ip` belongs to (its first address). IPv4-mapped IPv6 counts as IPv4.
    pub fn key(&self, ip: IpAddr) -> IpAddr {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(a) => {
                let bits = u32::from(a);
                let mask = u32::MAX.checked_shl(32 - u32::from(self.v4)).unwrap_or(0);
                IpAddr::V4((bits & mask).into())
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                let mask = u128::MAX.checked_shl(128 - u32::from(self.v6)).unwrap_or(0);
                IpAddr::V6((bits & mask).into())
            }
        }
    }

    /// `ip` as a source for messages: the address itself, or its block when wider.
    pub fn describe(&self, ip: IpAddr) -> String {
        let key = self.key(ip);
        match key {
            IpAddr::V4(_) if self.v4 < 32 => format!("{key}/{}", self.v4),
            IpAddr::V6(_) if self.v6 < 128 => format!("{key}/{}", self.v6),
            _ => key.to_string(),
        }
    }
}

impl std::str::FromStr for NetBlock {
    type Err = String;

    /// `v4:v6` as in sshd_config (`32:64`), or one number for IPv4 only (v6 stays /64).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected v4:v6 prefix lengths (like 32:64), got {s:?}");
        let num = |t: &str| t.trim().parse::<u8>().map_err(|_| bad());
        let out = match s.split(':').collect::<Vec<_>>().as_slice() {
            [a] => Self {
                v4: num(a)?,
                ..Self::default()
            },
            [a, b] => Self {
                v4: num(a)?,
                v6: num(b)?,
            },
            _ => return Err(bad()),
        };
        if out.v4 == 0 || out.v4 > 32 || out.v6 == 0 || out.v6 > 128 {
            return Err(bad());
        }
        Ok(out)
    }
}

impl std::fmt::Display for NetBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.v4, self.v6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startups_parse_and_drop_linearly() {
        let s: Startups = "10:30:100".parse().unwrap();
        assert_eq!(
            s,
            Startups {
                start: 10,
                rate: 30,
                full: 100
            }
        );
        assert_eq!(s.drop_probability(9), 0.0);
        assert!((s.drop_probability(10) - 0.3).abs() < 1e-9);
        assert!((s.drop_probability(55) - 0.65).abs() < 1e-9);
        assert_eq!(s.drop_probability(100), 1.0);
        assert_eq!("5".parse::<Startups>().unwrap().drop_probability(5), 1.0);
        assert!("0:30:100".parse::<Startups>().is_err());
        assert!("10:300:100".parse::<Startups>().is_err());
        assert!("20:30:10".parse::<Startups>().is_err());
        assert!("a:b".parse::<Startups>().is_err());
    }

    #[test]
    fn net_blocks_group_addresses_like_per_source_net_block_size() {
        let d = NetBlock::default();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(d.key(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(d.key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(d.key(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
        let wide: NetBlock = "24:48".parse().unwrap();
        assert_eq!(wide.key(ip("203.0.113.7")), ip("203.0.113.0"));
        assert_eq!(wide.describe(ip("203.0.113.7")), "203.0.113.0/24");
        assert_eq!(d.describe(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!("16".parse::<NetBlock>().unwrap().to_string(), "16:64");
        assert!("0:64".parse::<NetBlock>().is_err());
        assert!("32:129".parse::<NetBlock>().is_err());
    }
}
