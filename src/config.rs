//! Configuration for `serve`: flags, `SSHFOLIO_*` environment, defaults.
