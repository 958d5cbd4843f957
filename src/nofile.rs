//! The open-file limit: `serve` and `bench` raise their soft `RLIMIT_NOFILE` to the
//! hard limit at start (every connection is a file; the usual soft default of 1,024
//! would cap a server or a load generator far below what it can hold), and `serve`
//! says when `--max-connections` cannot fit under what it got.

/// Files a process keeps besides its connections (listeners, content watcher, the
/// stats database, logs, the runtime's own): the headroom `fits` leaves.
pub const RESERVED: u64 = 256;

/// The soft and hard limit after raising the soft one as far as the hard one allows.
/// `None` where the limit cannot be read (not Unix, or the call failed).
pub fn raise() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `lim` is a valid, writable rlimit for the duration of the call.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            // SAFETY: `want` is a valid rlimit; on failure the old limit stays.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &want) } == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
        Some((lim.rlim_cur as u64, lim.rlim_max as u64))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// How many connections fit under a soft limit of `soft` files.
pub fn fits(soft: u64) -> u64 {
    soft.saturating_sub(RESERVED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raised_to_the_hard_limit() {
        let (soft, hard) = raise().unwrap();
        assert_eq!(soft, hard);
        // Idempotent.
        assert_eq!(raise(), Some((soft, hard)));
    }

    #[test]
    fn headroom() {
        assert_eq!(fits(1024), 768);
        assert_eq!(fits(10), 0);
    }
}
