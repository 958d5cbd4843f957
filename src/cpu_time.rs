//! CPU time of the calling thread: how tests bound the work a hostile input causes
//! without asserting on wall time, which a loaded machine stretches at will.

use std::time::Duration;

/// CPU time this thread has used so far (zero where the clock is not available).
pub fn thread_cpu() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid clock id and a pointer to a timespec we own.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}
