//! Integration tests: the real server over real TCP on loopback.

mod ssh;
mod util;
