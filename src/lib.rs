//! sshfolio: a portfolio you visit with `ssh host`.
//!
//! Module map (see README.md):
//! - `content`: Markdown + YAML content → one shared, immutable `Index`; `import-nuxt`.
//! - `render`: a document at a width → styled lines, cached and shared by all sessions.
//! - `theme`: colours and styles; colour depth down-conversion.
//! - `tui`: the app: a router over screens (each its state, update, pure view) and the
//!   input parser; no I/O.
//! - `session`: one task per guest, gluing input, app, terminal and output (one event
//!   enum, one `select!`).
//! - `bench`: `sshfolio bench`, a load generator on russh's client.
//! - `clipboard`: OSC 52, text for the guest's own clipboard.
//! - `fetch`: `sshfolio fetch-images`, the images the content refers to, downloaded.
//! - `graphics`: pictures in the terminal: protocol per guest, encoders, shared cache.
//! - `commands`: exec commands without a PTY (plain text and JSON).
//! - `ssh`: accept loop, limits, russh handler, channel writer, host key.
//! - `cli`: the command line's subcommands and flags (clap), run by `main.rs`.
//! - `config`: settings for `serve` from flags, environment, `sshfolio.yml` and defaults.
//! - `stats`: visitor analytics in SQLite (writer, migrations, `sshfolio stats`).
//! - `init`: `sshfolio init`, a starter site.
//! - `metrics`: process-wide counters, served as Prometheus text by `--metrics`.
//! - `logging`: the log a guest cannot forge or flood (escaped, cut, russh rate-limited).
//! - `nofile`: the open-file limit raised for `serve` and `bench` (a file per connection).
//!
//! Layers: `content` ← `render` ← `tui` ← `session` ← `ssh`. `content` never imports
//! `render`; `content`, `render` and `ssh` never import `tui`; `tui` never imports
//! `session` or `ssh`; and no module imports a sibling that imports it back
//! (tests/layers.rs checks all of it).

pub mod bench;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod content;
#[cfg(test)]
pub(crate) mod cpu_time;
pub mod fetch;
pub mod graphics;
pub mod init;
pub mod logging;
pub mod metrics;
pub mod nofile;
pub mod render;
pub mod session;
pub mod ssh;
pub mod stats;
pub mod theme;
pub mod tui;
